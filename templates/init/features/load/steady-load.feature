@load
Feature: Steady load meets the service-level objectives
  Without any fault, the system meets its objectives at the load it is sized for: closed-loop clients
  (each sends its next order when the previous one is answered) and an open-loop rate (requests are sent on
  schedule whether or not earlier ones were answered, so a slow system is measured, not waited for).

  @smoke
  Scenario: 8 concurrent clients submit orders for 3 seconds
    Given the system is running
    When 8 concurrent clients submit orders for 3 seconds
    Then p95 latency is below 500ms
    And at least 99% of the requests complete within 1 second
    And the error rate is below 1%

  Scenario: Clients read the catalog at 50 requests per second
    Given the system is running
    When clients submit catalog reads at 50 requests per second for 3 seconds
    Then p99 latency is below 500ms
    And the error rate is below 1%
