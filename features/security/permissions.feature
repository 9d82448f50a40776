@security
Feature: A privilege of the controller's store user is taken away
  A grant revoked in Postgres, or a command denied by Redis' ACL, while the controller serves: it charges
  nothing it could not record, says which privilege it lacks, and serves again once the grant is back.

  Scenario: The controller's postgres user loses INSERT on the ledger
    Given a healthy controller with 3 registered workers
    When 4 concurrent clients start submitting document conversion requests for 8 seconds
    And the load has run for 2 seconds
    And the postgres user loses INSERT on table "ledger" for 3 seconds
    And the load has finished
    Then the controller reports the postgres permission denied within 5 seconds
    And the service recovers within 5 seconds
    And every successful request is charged exactly once, and no failed request is charged

  # Alone: the controller skips a Redis that answers later than 1 s (its fallback), and then runs no SET the
  # denial could refuse — another scenario's load beside it would make the experiment invalid.
  @serial
  Scenario: The controller's redis user may no longer run SET
    Given a healthy controller with 3 registered workers
    When 4 concurrent clients start submitting document conversion requests for 8 seconds
    And the load has run for 2 seconds
    And the redis user may no longer run "set" for 3 seconds
    And the load has finished
    Then the controller reports the redis permission denied within 5 seconds
    And every successful request is charged exactly once
