@observe
Feature: Hypotheses that must fail: each verdict's detection power
  Run by test/observe/detection-power.test.ts, never by the suite: every scenario here states something
  the experiment refutes, and must fail naming the probe, when and by how much.

  Scenario: A paused worker breaks a hypothesis that says it keeps running
    Given a healthy controller with 3 registered workers
    And the steady-state hypothesis, checked every 200 ms:
      | probe                    | of         | tolerance   |
      | http GET /healthz status | controller | equals 200  |
      | process running          | worker-2   | equals true |
    When 4 concurrent clients start submitting document conversion requests for 5 seconds
    And the load has run for 1 second
    And worker-2 is paused for 2 seconds
    And the load has finished
    Then the steady-state hypothesis held throughout

  Scenario: A hypothesis that does not watch the struck worker catches nothing
    Given a healthy controller with 3 registered workers
    And the steady-state hypothesis, checked every 200 ms:
      | probe                    | of         | tolerance  |
      | http GET /healthz status | controller | equals 200 |
    When 4 concurrent clients start submitting document conversion requests for 5 seconds
    And the load has run for 1 second
    And worker-2 is paused for 2 seconds
    And the load has finished
    Then the steady-state hypothesis catches each fault within 1 second

  Scenario: Redis stopped does not stay isolated to Redis: the controller's health turns 503
    Given a healthy controller with 3 registered workers
    And the steady-state hypothesis, checked every 200 ms:
      | probe                    | of         | tolerance   |
      | http GET /healthz status | controller | equals 200  |
      | process alive            | worker-1   | equals true |
    When 2 concurrent clients start submitting document conversion requests for 5 seconds
    And the load has run for 1 second
    And redis is stopped for 2 seconds
    And the load has finished
    Then the failure stays isolated to redis

  Scenario: No system holds again within 0 ms of a rollback
    Given a healthy controller with 3 registered workers
    And the steady-state hypothesis, checked every 200 ms:
      | probe                    | of         | tolerance   |
      | http GET /healthz status | controller | equals 200  |
      | process running          | worker-2   | equals true |
    When 4 concurrent clients start submitting document conversion requests for 4 seconds
    And the load has run for 1 second
    And worker-2 is paused for 1 second
    And the load has finished
    Then the steady-state hypothesis holds again within 0 ms after the faults are rolled back

  Scenario: A hypothesis that does not hold before the method starts no experiment
    Given a healthy controller with 3 registered workers
    And the steady-state hypothesis, checked every 200 ms:
      | probe                    | of         | tolerance  |
      | http GET /healthz status | controller | equals 200 |
      | redis DBSIZE             | redis      | equals 0   |
    When worker-2 is paused for 1 second
    Then the steady-state hypothesis held throughout
