# Not under features/: this experiment is meant to abort. test/observe/promql-feature.test.ts runs it and
# checks that the PromQL brake stopped it with the figure it read.
@promql @abort
Feature: A PromQL abort condition stops an experiment that hurts too much

  Scenario: The whole fleet is cut off and the controller's failure ratio breaches the PromQL abort threshold
    Given a healthy controller with 2 registered workers
    And abort when the PromQL "(sum(rate(controller_conversions_total{outcome!=\"ok\"}[3s])) or vector(0)) / sum(rate(controller_conversions_total[3s]))" exceeds 0.05
    When 4 concurrent clients start submitting document conversion requests for 40 seconds
    And the load has run for 2 seconds
    And the network between the controller and 2 of its workers is partitioned for 30 seconds
    And the load has finished
    Then the error rate is below 50%
