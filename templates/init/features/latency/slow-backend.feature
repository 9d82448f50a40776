@latency @slo
Feature: A slow backend does not make the api slow
  The api gives each call to the backend 250 ms and retries once; when both attempts run out of time it
  answers from the last catalog it read. A backend that answers seconds late therefore costs clients a
  bounded wait, and the latency objective holds while the fault lasts.

  Scenario: The backend answers the api 2 seconds late
    Given the system is running
    When 4 concurrent clients start submitting catalog reads for 8 seconds
    And the load has run for 2 seconds
    And the link from the api to the backend is slowed by 2 seconds for 2 seconds
    And the load has finished
    Then p95 latency at baseline is below 300ms
    And p95 latency under fault is below 1 second
    And the error rate under fault is below 5%
    And the api recovers within 3 seconds
