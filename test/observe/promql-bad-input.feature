# Not under features/: these scenarios are meant to fail. test/observe/promql-feature.test.ts runs them and
# checks how: a malformed query with Prometheus's own error, an unknown metric as UNKNOWN (never a pass).
@promql
Feature: PromQL steps refuse what cannot be judged

  Scenario: A malformed query fails with Prometheus's own error
    Given a healthy controller with 1 registered worker
    Then the PromQL "sum(rate(controller_http_requests_total[5s])" stays below 1

  Scenario: A metric no target exports is UNKNOWN
    Given a healthy controller with 1 registered worker
    Then the PromQL "sum(rate(no_such_metric_total[5s]))" stays below 1
