# @serial: its verdict is a 500 ms p95 objective measured at 100 requests/s, and those 100 clients load
# the machine enough to slow any scenario beside them; it runs alone (support/run/serial.ts).
@latency @slo @serial
Feature: One slow worker does not break the conversion latency SLO
  Conversions have a p95 objective of 500 ms. When one worker becomes slow, the controller must give up on
  it quickly, retry its requests on the others, open that worker's circuit breaker and move the traffic to
  the healthy workers — so that clients keep meeting the objective while the fault lasts.

  Scenario: 2 seconds of latency on one worker's responses under 100 concurrent clients
    Given a healthy controller with 5 registered workers
    When 10 concurrent clients submit 50 document conversion requests
    And 1 of the controller's workers respond 2 seconds slower
    And 100 concurrent clients submit document conversion requests at 100 requests per second for 10 seconds
    Then at least 95% of the requests under fault complete within 500ms
    And p95 latency under fault is below 500ms
    And the controller opens the breaker of the slow worker
    And traffic shifts away from the slow worker
    And every successful request is charged exactly once
