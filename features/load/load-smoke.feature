# @serial: the measurement layer's reference — p95 latency and error rates of the system alone at baseline
# and under fault; another scenario's load on the same cores would be measured with it.
@load @serial
Feature: Load, per-phase SLOs, recovery and billing, measured
  The measurement layer against the reference platform: closed-loop clients drive real conversion requests
  while a fault comes and goes; every verdict is computed from the recorded history, the fault ledger's
  timestamps, the audit log and the billing ledger.

  Scenario: Steady load with no fault meets its SLOs and bills each request once
    Given a healthy controller with 3 registered workers
    When 4 concurrent clients submit document conversion requests for 3 seconds
    Then p95 latency is below 2 seconds
    And at least 95% complete within 2 seconds
    And the error rate is below 1%
    And every successful request is charged exactly once

  Scenario: Load across a partition of one worker: baseline, under fault, recovery
    Given a healthy controller with 3 registered workers
    When 4 concurrent clients start submitting document conversion requests for 8 seconds
    And the load has run for 2 seconds
    And the network between the controller and 1 of its workers is partitioned for 3 seconds
    Then p95 latency at baseline is below 2 seconds
    And the error rate at baseline is below 1%
    And the error rate under fault is below 5%
    And p95 latency under fault is below 5 seconds
    And the controller detects the partition within 5 seconds
    And the service recovers within 5 seconds
    And every successful request is charged exactly once
