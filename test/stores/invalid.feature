# Not under features/: these experiments are meant to fail as invalid (their store fault met none of the
# system's traffic while it held), so they would fail the suite. test/stores/invalid.test.ts runs them.
@dependencies
Feature: A store fault counts only when the system's own traffic met it

  Scenario: A poisoned key nobody reads while it holds proves nothing
    Given a healthy controller with 1 registered workers
    When a client submits a document conversion request
    And the redis key "faultline:routing:cursor" is poisoned for 2 seconds
    And no client sends anything for 3 seconds

  Scenario: Slow queries while nothing writes prove nothing
    Given a healthy controller with 1 registered workers
    When postgres queries take 300ms longer for 2 seconds
    And no client sends anything for 3 seconds
