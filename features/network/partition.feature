@network @partition
Feature: Resilience under network partition
  When part of the worker fleet is cut off from the controller, requests must still succeed:
  the controller gives up on the unreachable workers, retries on an alternate one, and records what happened.

  @smoke
  Scenario: Controller loses connection to worker fleet
    Given a healthy controller with 5 registered workers
    When the network between the controller and 3 of its workers is partitioned for 30 seconds
    And a client submits a document conversion request
    Then the controller retries on an alternate worker
    And the request succeeds within 10 seconds
    And the audit log shows the partition event

  Scenario: The whole fleet is cut off, then the network heals
    Given a healthy controller with 3 registered workers
    When 4 concurrent clients start submitting document conversion requests for 14 seconds
    And the load has run for 2 seconds
    And the network between the controller and 3 of its workers is partitioned for 5 seconds
    And the load has finished
    Then the error rate at baseline is below 1%
    And p95 latency under fault is below 5 seconds
    And the controller detects the partition within 5 seconds
    And the service recovers within 6 seconds
    And every successful request is charged exactly once
