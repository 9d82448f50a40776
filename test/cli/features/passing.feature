# Made for test/cli/run.test.ts: the smallest experiment that passes.
Feature: A scenario that passes

  Scenario: One request to a healthy platform
    Given a healthy controller with 1 registered workers
    When a client submits a document conversion request
    Then the request succeeds within 30 seconds
