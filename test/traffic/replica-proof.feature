# Not under features/: the first two experiments are meant to fail as invalid (no write of the system was at
# stake while their fault held), so they would fail the suite. test/traffic/replica-proof.test.ts runs them.
@replica-proof
Feature: A replica fault counts only when the system's own writes met it

  Scenario: A replica fails while the system writes nothing
    Given a healthy controller with 1 registered workers and 1 postgres replica
    When 1 of the postgres replicas fails for 2 seconds
    And no client sends anything for 3 seconds

  Scenario: A failover while the system writes nothing
    Given a healthy controller with 1 registered workers and 1 postgres replica
    When the postgres primary is killed and a replica is promoted for 2 seconds
    And no client sends anything for 3 seconds

  Scenario: A replica fails while the system writes
    Given a healthy controller with 1 registered workers and 1 postgres replica
    When 2 concurrent clients start submitting document conversion requests for 4 seconds
    And 1 of the postgres replicas fails for 2 seconds
    And the load has finished
