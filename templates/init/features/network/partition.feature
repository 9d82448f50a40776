@network @partition
Feature: Reads survive a partition between the api and the backend
  When the api cannot reach the backend, it answers catalog reads from the last catalog it read: clients
  keep getting answers while the network is cut, and fresh ones once it heals.

  @smoke
  Scenario: The backend is cut off from the api for 2 seconds under load
    Given the system is running
    When 4 concurrent clients start submitting catalog reads for 8 seconds
    And the load has run for 2 seconds
    And the network between the api and the backend is partitioned for 2 seconds
    And the load has finished
    Then the error rate at baseline is below 1%
    And the error rate under fault is below 5%
    And p95 latency under fault is below 1 second
    And the api recovers within 3 seconds
