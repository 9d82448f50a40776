@resource @serial
Feature: Memory limits and pressure on a service
  A worker whose memory is capped just above what it uses is killed by the kernel's OOM killer once the
  load makes it grow; its restart policy brings it back and the controller routes around it meanwhile. A
  neighbour holding memory inside a worker's group leaves it running and serving.

  Scenario: A worker capped just above its use is OOM-killed and restarts
    Given a healthy controller with 3 registered workers
    When 4 concurrent clients start submitting 256 KB document conversion requests for 9 seconds
    And the load has run for 3 seconds
    And the memory of 1 of the workers is capped at 1 MB above its use for 3 seconds
    And the load has finished
    Then the workers restart within 10 seconds
    And the error rate at baseline is below 1%
    And the error rate under fault is below 5%

  Scenario: Memory held inside a worker's group
    Given a healthy controller with 3 registered workers
    When 4 concurrent clients start submitting document conversion requests for 8 seconds
    And the load has run for 3 seconds
    And 64 MB of memory is held in the group of 1 of the workers for 3 seconds
    And the load has finished
    Then the error rate at baseline is below 1%
    And the error rate under fault is below 1%
