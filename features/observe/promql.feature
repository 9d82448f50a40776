@observe @promql
Feature: The system's own metrics judge the experiment, read by PromQL
  Each environment of a scenario that reads PromQL gets a Prometheus of its own, scraping every service that
  declares a metrics endpoint (the controller's /metrics), the fault proxy and faultline's load generator
  every second. The steady state, the verdicts and an abort condition are then written as PromQL, in the
  system's own figures: the controller's count of failed conversions, of retries on an alternate worker.
  A partition of one worker must not show in the controller's failed conversions: it retries elsewhere.

  Scenario: A partition of one worker leaves the controller's failure ratio at zero while it retries elsewhere
    Given a healthy controller with 3 registered workers
    And the PromQL "sum(up)" is at least 3
    And abort when the PromQL "(sum(rate(controller_conversions_total{outcome!=\"ok\"}[3s])) or vector(0)) / sum(rate(controller_conversions_total[3s]))" exceeds 0.5
    When 4 concurrent clients start submitting document conversion requests for 9 seconds
    And the load has run for 2 seconds
    And the network between the controller and 1 of its workers is partitioned for 4 seconds
    Then the PromQL "sum(controller_retries_total)" reaches 1 within 10 seconds
    And the load has finished
    And the PromQL "(sum(rate(controller_conversions_total{outcome!=\"ok\"}[3s])) or vector(0)) / sum(rate(controller_conversions_total[3s]))" stays below 0.01 under fault
    And the PromQL "sum(rate(faultline_load_operations_total{outcome=\"ok\"}[3s]))" stays above 0 under fault
    And the PromQL "sum(rate(controller_retries_total[3s]))" stays at most 0 at baseline
