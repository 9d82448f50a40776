# Run by test/seed/seed.test.ts: the same FAULTLINE_SEED must pick the same targets and send the same ids.
Feature: A run repeats with its seed

  Scenario: One worker partitioned while clients submit
    Given a healthy controller with 3 registered workers
    When the network between the controller and 1 of its workers is partitioned for 2 seconds
    And 2 concurrent clients submit 6 document conversion requests
