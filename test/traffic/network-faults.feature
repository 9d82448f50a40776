# Not under features/: every scenario is meant to fail as an invalid experiment (its fault met no traffic of
# the system: the controller only talks to a worker to forward a conversion, and no client sends anything).
# test/traffic/network-faults.test.ts runs it and checks what each says.
@traffic-proof
Feature: A network fault on a link or service the system's traffic does not use proves nothing

  Scenario Outline: <fault> on a link nothing crosses
    Given the system is running with 2 workers
    When <fault> for 2 seconds
    And no client sends anything for 2.5 seconds

    Examples:
      | fault                                                              |
      | the link from controller to worker-1 is black-holed                |
      | the link from controller to worker-1 is refused                    |
      | worker-2 is unreachable                                            |
      | the link from controller to worker-1 has 5% packet loss            |
      | the link from controller to worker-2 is limited to 16 KB/s         |
      | the link from controller to worker-1 is hit by a latency bomb from 10 ms to 300 ms |
      | the link from controller to worker-2 is flapping every 500 ms      |
