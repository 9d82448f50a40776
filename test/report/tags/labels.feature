# Not under features/: runs nothing real. test/report/labels.test.ts runs it to check that tags become Allure
# labels and links, and that a broken verdict lands in the product-defect category.
@epic:Resilience @owner:platform-team
Feature: Tags become labels

  @severity:critical @story:labels @issue=6 @tms=FL-1
  Scenario: A scenario that only arms a brake
    Given abort if the error rate exceeds 20%

  @severity:minor
  Scenario: A verdict over an empty history is broken
    Given abort if the error rate exceeds 20%
    Then the error rate is below 50%
