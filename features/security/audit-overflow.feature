@security
Feature: A flood of audited events does not sink the controller
  A client that is refused over and over (a misconfigured worker, a scanner) makes the controller audit
  every refusal. The audit writer must push back — a bounded queue, the overflow counted and audited as
  such — so that normal conversions keep their SLO and the controller's memory stays bounded.

  # Alone: it judges latency and memory, which another scenario's load beside it would disturb. The audit
  # store is slowed (every write 20 ms longer) so the flood outruns any writer: one without bound lags.
  @serial
  Scenario: Rejected registrations flood the audit while conversions are served
    Given a healthy controller with 2 registered workers
    When 2 concurrent clients start submitting document conversion requests for 5 seconds
    And the load has run for 1 second
    And postgres queries take 20 ms longer for 10 seconds
    And a client causes 200 audited rejected registrations per second for 3 seconds
    And the load has finished
    Then every audited rejected registration is recorded within 3 seconds
    And the controller's memory stays within 64 MB of its baseline
    And the error rate under fault is below 1%
    And p95 latency under fault is below 1 s
