@security
Feature: The controller's store credentials change under it
  The controller connects to Redis and Postgres as its own user, whose passwords it reads from secret files.
  When a password is rotated and the new one written to its file, the controller logs in with it and keeps
  serving. When a password changes and nobody tells the controller, it charges nothing it cannot record
  (fail closed), says that its credentials were refused, and serves again once the old password is back.

  Scenario: The postgres password is rotated
    Given a healthy controller with 3 registered workers
    When 4 concurrent clients start submitting document conversion requests for 6 seconds
    And the load has run for 2 seconds
    And the postgres password is rotated
    And the load has finished
    Then the error rate is below 5%
    And every successful request is charged exactly once

  Scenario: The redis password is rotated
    Given a healthy controller with 3 registered workers
    When 4 concurrent clients start submitting document conversion requests for 6 seconds
    And the load has run for 2 seconds
    And the redis password is rotated
    And the load has finished
    Then the error rate is below 5%
    And every successful request is charged exactly once

  Scenario: The postgres password changes without the controller being told
    Given a healthy controller with 3 registered workers
    When 4 concurrent clients start submitting document conversion requests for 12 seconds
    And the load has run for 2 seconds
    And the postgres password changes without the system being told for 3 seconds
    And the load has finished
    Then the controller reports the postgres credentials refused within 5 seconds
    And the service recovers within 5 seconds
    And every successful request is charged exactly once, and no failed request is charged
