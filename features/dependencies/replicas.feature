@dependencies @replicas
Feature: The database's replicas fail, and a replica takes over from a lost primary
  Postgres runs with streaming replicas. A replica that fails must catch up once it is back, without the
  system noticing; when the primary itself is lost, a replica is promoted and the system's writes must carry
  on there, and once the primary is back the replicas follow it again.

  Scenario: A replica fails under load and catches up
    Given a healthy controller with 2 registered workers and 2 postgres replicas
    When 4 concurrent clients start submitting document conversion requests for 10 seconds
    And the load has run for 1 second
    And 1 of the postgres replicas fails for 3 seconds
    Then the replica lag of the postgres replicas is back under 1 MB within 10 seconds
    And the error rate under fault is below 1%

  Scenario: The primary is killed and a replica is promoted
    Given a healthy controller with 2 registered workers and 1 postgres replica
    When 4 concurrent clients start submitting document conversion requests for 16 seconds
    And the load has run for 1 second
    And the postgres primary is killed and a replica is promoted for 3 seconds
    Then the replica lag of the postgres replicas is back under 1 MB within 15 seconds
    And the service recovers within 5 seconds
