# Made for test/cli/run.test.ts: a step no definition matches, so nothing is started and nothing tested.
Feature: A scenario that cannot run

  Scenario: A step nobody wrote
    Given a system that faultline has never heard of
    Then nothing is judged
