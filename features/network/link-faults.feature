@network @link-faults
Feature: Faults on any link or service
  Every network fault the fault proxy can inject, on the links the platform's own traffic uses while a steady
  load runs: each fault proves its effect through a probe (or, where no probe can tell, the toxic in the
  proxy), proves the system's traffic crossed it, heals on time, and the system serves again afterwards.

  Scenario: A link black-holed one way, then both ways, then refused
    Given the system is running
    When 4 concurrent clients start submitting document conversion requests for 13 seconds
    And the load has run for 1 second
    And the traffic from controller to worker-1 is black-holed for 2 seconds
    And the load has run for 4 seconds
    And the network between controller and worker-2 is unreachable for 2 seconds
    And the load has run for 7 seconds
    And the traffic from controller to worker-3 is refused for 2 seconds
    And the load has run for 9.5 seconds
    And the link from controller to worker-1 is refused for 2 seconds
    And the load has finished
    Then the service recovers within 6 seconds
    And every successful request is charged exactly once

  Scenario: A service unreachable from everything, part of a group, and a flapping link
    Given the system is running
    When 4 concurrent clients start submitting document conversion requests for 14 seconds
    And the load has run for 1 second
    And redis is unreachable for 2 seconds
    And the load has run for 5 seconds
    And 2 of the workers are unreachable for 2 seconds
    And the load has run for 8 seconds
    And the link from controller to worker-3 is flapping every 1 s for 4 seconds
    And the load has finished
    Then the service recovers within 6 seconds
    And every successful request is charged exactly once

  Scenario: Latency with jitter and a latency bomb
    Given the system is running
    When 4 concurrent clients start submitting document conversion requests for 9 seconds
    And the load has run for 1 second
    And the link from controller to redis is slowed by 100ms with 50ms jitter for 3 seconds
    And the link from controller to worker-2 is hit by a latency bomb from 10 ms to 2 s for 3 seconds
    And the load has finished
    Then the service recovers within 6 seconds
    And every successful request is charged exactly once

  Scenario: Lossy, thin, sliced, slow-closing, cut and corrupting links
    Given the system is running
    When 4 concurrent clients start submitting document conversion requests for 12 seconds
    And the load has run for 1 second
    And the link from controller to worker-1 has 5% packet loss for 3 seconds
    And the link from controller to worker-2 is limited to 16 KB/s for 3 seconds
    And the link from controller to worker-3 is sliced into 64 B pieces for 3 seconds
    And the load has run for 5 seconds
    And the link from controller to worker-1 is closed 1 s late for 3 seconds
    And the link from controller to worker-2 is cut after 1 KB for 3 seconds
    And the link from controller to worker-3 has 1% byte corruption for 3 seconds
    And the load has finished
    Then the service recovers within 6 seconds
    And every successful request is charged exactly once

  Scenario: The primary of two links fails and the traffic moves to the secondary
    Given the system is running
    When 2 concurrent clients start submitting document conversion requests for 7 seconds
    And the load has run for 1 second
    And the primary link from worker-1 to controller fails for 3 seconds
    And the load has finished
    Then the service recovers within 6 seconds
    And every successful request is charged exactly once
