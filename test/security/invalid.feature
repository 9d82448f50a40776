# Not under features/: these experiments are meant to fail as invalid (the security fault met none of the
# system's own operations while it held), so they would fail the suite. test/security/invalid.test.ts runs them.
@security
Feature: A security fault counts only when the system's own traffic met it

  Scenario: A privilege the system never uses while it is revoked proves nothing
    Given a healthy controller with 1 registered workers
    When a client submits a document conversion request
    And the postgres user loses DELETE on table "ledger" for 2 seconds
    And no client sends anything for 3 seconds

  Scenario: A command denied while nothing runs it proves nothing
    Given a healthy controller with 1 registered workers
    When the redis user may no longer run "set" for 2 seconds
    And no client sends anything for 3 seconds
