# Not under features/: every scenario is meant to fail as an invalid experiment (no client sends anything and
# the workers' gossip is off, so a worker does little: a quota of a whole CPU never throttles it (half a
# core was throttled once in a CI run: its own heartbeats and threads can burst past 50 ms in a period), a cap is never
# reached, memory held beside it meets no traffic). test/traffic/resource-faults.test.ts runs it.
@traffic-proof
Feature: A resource fault on a service the system does not use proves nothing

  Scenario Outline: <fault> while nothing reaches it
    Given the system is running with 2 workers
    When <fault> for 2 seconds
    And no client sends anything for 2.5 seconds

    Examples:
      | fault                                                   |
      | worker-1 is held to 100% of a CPU                       |
      | the memory of worker-1 is capped at 64 MB above its use |
      | 16 MB of memory is held in the group of worker-2        |
      | the open-files limit of worker-2 is lowered below its use |
