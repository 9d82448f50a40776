# Not under features/: the first experiment is meant to fail as invalid (no write of the system was at stake
# while its fault held), so it would fail the suite. test/traffic/replica-proof.test.ts runs them. (A failover
# with no client is no such case here: the platform's controller reports a lost Postgres connection by writing
# an audit event — its own write, which lands on the promoted replica when it lost an idle connection. The
# idle failover is shown against a writer that writes nothing, test/faults/replica.test.ts.)
@replica-proof
Feature: A replica fault counts only when the system's own writes met it

  Scenario: A replica fails while the system writes nothing
    Given a healthy controller with 1 registered workers and 1 postgres replica
    When 1 of the postgres replicas fails for 2 seconds
    And no client sends anything for 3 seconds

  Scenario: A replica fails while the system writes
    Given a healthy controller with 1 registered workers and 1 postgres replica
    When 2 concurrent clients start submitting document conversion requests for 4 seconds
    And 1 of the postgres replicas fails for 2 seconds
    And the load has finished
