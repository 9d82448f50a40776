# Made for test/cli/run.test.ts: a verdict no system can meet (an answer within 1 ms over real HTTP), so
# the scenario fails as a product defect would; beside it a step nobody wrote, so the run has two kinds.
Feature: A run with a broken verdict and an unrunnable step

  Scenario: A verdict that breaks
    Given a healthy controller with 1 registered workers
    When a client submits a document conversion request
    Then the request succeeds within 1ms

  Scenario: A step nobody wrote
    Given a system that faultline has never heard of
