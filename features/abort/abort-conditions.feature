@abort
Feature: An experiment with abort conditions runs to the end while they hold
  A scenario may arm a brake: "abort if the error rate exceeds 20%" or "abort if p99 exceeds 10 seconds".
  The recorded history is watched while the load runs (the most recent operations: those of the last 10
  seconds, at least 20); a breach stops the load, rolls every fault back and fails the scenario as ABORTED
  with the measured figure. A fault the system absorbs stays under the thresholds and the experiment runs
  to its verdicts.

  Scenario: A partition of one worker stays under the abort thresholds
    Given a healthy controller with 3 registered workers
    And abort if the error rate exceeds 20%
    And abort if p99 exceeds 10 seconds
    When 4 concurrent clients start submitting document conversion requests for 6 seconds
    And the load has run for 2 seconds
    And the network between the controller and 1 of its workers is partitioned for 2 seconds
    And the load has finished
    Then the error rate under fault is below 5%
    And every successful request is charged exactly once
