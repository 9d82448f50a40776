@observe @consistency
Feature: What the platform acknowledged is what it recorded
  Jepsen's set and queue checkers, against the platform's own records: each conversion's effect is its charge
  in the ledger, read back after the fault heals. A conversion the client was told succeeded must be there
  (none lost), nothing may be there that no client asked for (none extra), and each must be there once — a
  retry or a duplicate submission is not a second conversion (none duplicated), even while a store that
  de-duplicates them is cut off.

  Scenario: The controller is cut off from its ledger under load
    Given a healthy controller with 3 registered workers
    When 4 concurrent clients start submitting document conversion requests for 8 seconds
    And the load has run for 2 seconds
    And the network between the controller and postgres is partitioned for 3 seconds
    And the load has finished
    Then every acknowledged document conversion request is present after the heal
    And every acknowledged document conversion request is consumed exactly once

  Scenario: Duplicate submissions while the idempotency store is stopped
    Given a healthy controller with 3 registered workers
    When 4 concurrent clients start submitting document conversion requests for 8 seconds
    And the load has run for 2 seconds
    And redis is stopped for 4 seconds
    And a client submits the same document conversion request 5 times at once
    And the load has finished
    Then every acknowledged document conversion request is consumed exactly once
    And every acknowledged document conversion request is present after the heal
