@network @split-brain
Feature: Split brain in the worker fleet
  The workers gossip with each other, each pinging every other through its own link. A split brain cuts every
  link between two halves of the fleet, both ways, while each half keeps its clients: the controller still
  reaches every worker and every worker still heartbeats it. Requests must keep succeeding, and the controller
  must notice that workers which both heartbeat it fine can no longer reach each other, and record it.

  Scenario: The workers split into two halves under load
    Given a healthy controller with 3 registered workers
    When 4 concurrent clients start submitting document conversion requests for 9 seconds
    And the load has run for 2 seconds
    And the workers are split into two halves for 3 seconds
    And the load has finished
    Then the error rate under fault is below 1%
    And the controller detects the split-brain within 5 seconds
    And the audit log shows the split-brain event
    And the service recovers within 6 seconds
    And every successful request is charged exactly once
