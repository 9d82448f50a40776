@dependencies @postgres
Feature: Postgres fails the controller
  Postgres holds the billing ledger and the audit log. When it runs out of connection slots, turns read-only,
  drops every connection or answers slowly, the controller charges nothing it could not record (a failed
  request can be retried with the same request_id), records the outage once Postgres takes writes again, and
  serves again as soon as Postgres does.

  # Taking every slot costs one connection (a fork, an authentication) per slot — seconds on a container —
  # so the load starts once the slots are held: the hold is all under load, however long taking them took.
  Scenario: Postgres runs out of connection slots
    Given a healthy controller with 3 registered workers
    When postgres runs out of connection slots for 3 seconds
    And 4 concurrent clients submit document conversion requests for 6 seconds
    Then the controller detects the postgres outage within 5 seconds
    And the service recovers within 5 seconds
    And every successful request is charged exactly once, and no failed request is charged

  Scenario: Postgres turns read-only
    Given a healthy controller with 3 registered workers
    When 4 concurrent clients start submitting document conversion requests for 8 seconds
    And the load has run for 2 seconds
    And postgres turns read-only for 3 seconds
    And the load has finished
    Then the error rate at baseline is below 1%
    And the controller detects the postgres outage within 5 seconds
    And the service recovers within 5 seconds
    And every successful request is charged exactly once, and no failed request is charged

  Scenario: Postgres terminates every connection of the controller
    Given a healthy controller with 3 registered workers
    When 4 concurrent clients start submitting document conversion requests for 6 seconds
    And the load has run for 2 seconds
    And postgres terminates its open connections
    And the load has finished
    Then the error rate is below 5%
    And the service recovers within 3 seconds
    And every successful request is charged exactly once

  Scenario: Postgres answers the controller's writes 300 ms late
    Given a healthy controller with 3 registered workers
    When 4 concurrent clients start submitting document conversion requests for 8 seconds
    And the load has run for 2 seconds
    And postgres queries take 300ms longer for 3 seconds
    And the load has finished
    Then the error rate under fault is below 1%
    And p95 latency under fault is below 3 seconds
    And every successful request is charged exactly once
