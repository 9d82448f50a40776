@dependencies @redis
Feature: Redis fails the controller
  Redis holds the worker registry, the round-robin cursor and the idempotency keys. When it is stopped, cut
  off, emptied or serves corrupted values, the controller routes from its last good read of the fleet with a
  cursor of its own, answers idempotency from the billing ledger, records the outage, and keeps serving.

  Scenario: Redis is stopped under load
    Given a healthy controller with 3 registered workers
    When 4 concurrent clients start submitting document conversion requests for 8 seconds
    And the load has run for 2 seconds
    And redis is stopped for 3 seconds
    And the load has finished
    Then the error rate at baseline is below 1%
    And the error rate under fault is below 5%
    And the controller detects the redis outage within 2 seconds
    And the service recovers within 5 seconds
    And every successful request is charged exactly once

  Scenario: Redis is unreachable from everything that talks to it
    Given a healthy controller with 3 registered workers
    When 4 concurrent clients start submitting document conversion requests for 8 seconds
    And the load has run for 2 seconds
    And redis is unreachable for 3 seconds
    And the load has finished
    Then the error rate under fault is below 5%
    And the controller detects the redis outage within 3 seconds
    And the service recovers within 5 seconds
    And every successful request is charged exactly once

  Scenario: Redis restarts empty: every key is gone
    Given a healthy controller with 3 registered workers
    When 4 concurrent clients start submitting document conversion requests for 6 seconds
    And the load has run for 2 seconds
    And redis restarts empty
    And the load has finished
    Then the error rate is below 5%
    And the service recovers within 5 seconds
    And every successful request is charged exactly once

  Scenario: The round-robin cursor is poisoned
    Given a healthy controller with 3 registered workers
    When 4 concurrent clients start submitting document conversion requests for 7 seconds
    And the load has run for 2 seconds
    And the redis key "faultline:routing:cursor" is poisoned for 3 seconds
    And the load has finished
    Then the error rate under fault is below 1%
    And every successful request is charged exactly once

  Scenario: The worker registry is poisoned
    Given a healthy controller with 3 registered workers
    When 4 concurrent clients start submitting document conversion requests for 7 seconds
    And the load has run for 2 seconds
    And the redis keys matching "faultline:workers*" are poisoned for 3 seconds
    And the load has finished
    Then the error rate under fault is below 1%
    And every successful request is charged exactly once
