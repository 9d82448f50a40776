@dns
Feature: Resilience when a dependency's name does not resolve
  The controller reaches Postgres by name (postgres.faultline) and replaces its connections every second, as a
  service does that follows its database through a failover by DNS. When its lookups of that name fail, the
  requests that need a new connection fail fast — no request hangs on a lookup — and once the name resolves
  again the system recovers by itself.

  Scenario Outline: The controller's lookups of Postgres fail with <answer>
    Given a healthy controller with 2 registered workers
    When 4 concurrent clients start submitting document conversion requests for 8 seconds
    And the load has run for 2 seconds
    And the controller's lookups of postgres <fail> for 3 seconds
    And the load has finished
    Then the error rate at baseline is below 1%
    And p99 latency under fault is below 4 seconds
    And the service recovers within 4 seconds
    And every successful request is charged exactly once

    Examples:
      | answer    | fail                   |
      | NXDOMAIN  | fail with NXDOMAIN     |
      | SERVFAIL  | fail with SERVFAIL     |
      | no answer | get no answer          |
