@resource @serial
Feature: CPU starvation of a service
  A worker held to a sliver of a CPU, or sharing its one CPU with a process burning it at 100%, answers
  slowly; the controller's per-attempt timeout and its retry on another worker keep the clients served, and
  the starved worker says so in its heartbeats (its event loop runs late), which the controller audits.

  Scenario: A worker held to 5% of a CPU is worked around
    Given a healthy controller with 3 registered workers
    When 4 concurrent clients start submitting document conversion requests for 9 seconds
    And the load has run for 3 seconds
    And 1 of the workers is held to 5% of a CPU for 3 seconds
    And the load has finished
    Then the error rate at baseline is below 1%
    And the error rate under fault is below 5%
    And the service recovers within 5 seconds
    And the controller detects the cpu-quota within 8 seconds

  Scenario: A CPU hog beside a worker
    Given a healthy controller with 3 registered workers
    When 4 concurrent clients start submitting document conversion requests for 9 seconds
    And the load has run for 3 seconds
    And a CPU hog runs beside 1 of the workers for 3 seconds
    And the load has finished
    Then the error rate at baseline is below 1%
    And the error rate under fault is below 5%
    And the service recovers within 5 seconds
