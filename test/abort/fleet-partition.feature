# Not under features/: this experiment is meant to abort, so it would fail the suite. test/abort/abort.test.ts
# runs it and checks that it aborts, rolls back and says so.
@abort
Feature: An experiment that hurts too much is aborted

  Scenario: The whole fleet is cut off and the error rate breaches the abort threshold
    Given a healthy controller with 2 registered workers
    And abort if the error rate exceeds 5%
    When 4 concurrent clients start submitting document conversion requests for 40 seconds
    And the load has run for 2 seconds
    And the network between the controller and 2 of its workers is partitioned for 30 seconds
    And the load has finished
    Then the error rate is below 50%
