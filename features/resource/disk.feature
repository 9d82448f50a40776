@resource @serial
Feature: A full disk under a store
  Redis keeps its append-only file on a data disk of 16 MB. Filled to the last byte, Redis refuses every
  write it cannot persist; the controller takes that refusal for the outage it is — it audits Redis as
  unavailable and serves from its fallbacks (a local routing cursor, the Postgres ledger for idempotency)
  until a write goes through again once the disk has room.

  Scenario: Redis's disk fills up and the controller works around it
    Given a healthy controller with 3 registered workers
    When 4 concurrent clients start submitting document conversion requests for 9 seconds
    And the load has run for 3 seconds
    And the disk of redis is full for 3 seconds
    And the load has finished
    Then the error rate at baseline is below 1%
    And the error rate under fault is below 5%
    And the controller detects the disk-full within 3 seconds
    And the service recovers within 5 seconds
