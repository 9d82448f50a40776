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
