@observe
Feature: A steady-state hypothesis of probes, checked before, during and after the faults
  The steady state is written as a table of probes — HTTP status, latency and JSON values, a SQL query, a
  Redis command, a log line, a process — each with its tolerance. It must hold before the method starts,
  it is read continuously while the faults hold (every deviation kept with its time), and it must hold
  again once they are rolled back. The services whose probes deviated are the measured blast radius.

  Scenario: A paused worker is caught by the continuous hypothesis, and the failure stays isolated to it
    Given a healthy controller with 3 registered workers
    And the steady-state hypothesis, checked every 200 ms:
      | probe                                 | of         | tolerance            |
      | http GET /healthz status              | controller | equals 200           |
      | http GET /healthz latency             | controller | at most 1 s          |
      | http GET /v1/workers $.workers.length | controller | at least 2           |
      | sql select count(*) from audit_log    | postgres   | at least 0           |
      | redis DBSIZE                          | redis      | between 1 and 100000 |
      | log line matching "listening"         | worker-1   | present              |
      | process alive                         | worker-1   | equals true          |
      | process running                       | worker-2   | equals true          |
      | process running                       | worker-3   | equals true          |
    When 4 concurrent clients start submitting document conversion requests for 8 seconds
    And the load has run for 1 second
    And worker-2 is paused for 3 seconds
    And the load has run for 5 seconds
    Then the steady-state hypothesis catches each fault within 1 second
    And the failure stays isolated to worker-2
    And the steady-state hypothesis holds again within 5 seconds after the faults are rolled back

  Scenario: The hypothesis holds throughout a fault the platform absorbs
    Given a healthy controller with 3 registered workers
    And the steady-state hypothesis, checked every 250 ms:
      | probe                                 | of         | tolerance   |
      | http GET /healthz status              | controller | equals 200  |
      | http GET /v1/workers $.workers.length | controller | equals 3    |
      | process alive                         | worker-1   | equals true |
      | process alive                         | worker-3   | equals true |
    When 2 concurrent clients start submitting document conversion requests for 4 seconds
    And the network between the controller and worker-2 is partitioned for 2 seconds
    And the load has finished
    Then the steady-state hypothesis held throughout
    And the failure stays isolated to worker-2
    And the steady-state hypothesis holds again within 5 seconds after the faults are rolled back
