@process
Feature: Process faults on any service of the platform
  A worker that is killed, stopped, frozen or restarted must cost the clients little: the controller routes
  around it, the workers' supervisor (their restart policy: on failure, backoff from 200 ms to 2 s) brings a
  crashed one back within seconds, and a frozen controller serves again as soon as it thaws.

  Scenario: Two workers killed with SIGKILL restart by themselves
    Given a healthy controller with 3 registered workers
    When 4 concurrent clients start submitting document conversion requests for 8 seconds
    And the load has run for 2 seconds
    And 2 of the workers are killed with SIGKILL for 3 seconds
    And the load has finished
    Then the workers restart within 10 seconds
    And the workers restart at most 10 times per minute
    And the error rate at baseline is below 1%
    And the error rate under fault is below 5%

  Scenario: The controller is stopped with SIGTERM and brought back
    Given a healthy controller with 2 registered workers
    When 2 concurrent clients start submitting document conversion requests for 16 seconds
    And the load has run for 2 seconds
    And the controller is stopped with SIGTERM for 2 seconds
    And the load has finished
    Then the error rate at baseline is below 1%
    And the service recovers within 8 seconds

  Scenario: A paused worker is routed around
    Given a healthy controller with 3 registered workers
    When 4 concurrent clients start submitting document conversion requests for 8 seconds
    And the load has run for 2 seconds
    And 1 of the workers is paused for 3 seconds
    And the load has finished
    Then the error rate at baseline is below 1%
    And the error rate under fault is below 5%
    And the service recovers within 5 seconds

  Scenario: The workers are restarted under load
    Given a healthy controller with 2 registered workers
    When 2 concurrent clients start submitting document conversion requests for 12 seconds
    And the load has run for 2 seconds
    And the workers are restarted
    And the load has finished
    Then the error rate at baseline is below 1%
    And the service recovers within 6 seconds

  Scenario: A seeded chaos monkey kills a worker every 2 seconds
    Given a healthy controller with 3 registered workers
    When 4 concurrent clients start submitting document conversion requests for 10 seconds
    And the load has run for 1 second
    And a chaos monkey kills 1 of the workers every 2 seconds for 6 seconds
    And the load has finished
    Then the workers restart within 10 seconds
    And the workers restart at most 10 times per minute
    And the error rate under fault is below 10%
