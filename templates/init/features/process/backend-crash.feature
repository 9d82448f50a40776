@process @crash
Feature: Orders resume once a crashed backend is back
  Orders cannot be answered from a cache: while the backend is down they fail, and they must fail fast
  (each attempt has a deadline) rather than hang. Once the backend is restarted, orders succeed again
  within seconds, without restarting the api.

  Scenario: The backend is killed with SIGKILL and restarted
    Given the system is running
    When 2 concurrent clients start submitting orders for 8 seconds
    And the load has run for 2 seconds
    And the backend is killed with SIGKILL for 2 seconds
    And the load has finished
    Then the error rate at baseline is below 1%
    And p95 latency under fault is below 1 second
    And the backend recovers within 5 seconds
