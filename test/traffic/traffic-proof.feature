# Not under features/: the first experiment is meant to fail as invalid (its fault met no traffic), so it
# would fail the suite. test/traffic/traffic-proof.test.ts runs it and checks what it says.
@traffic-proof
Feature: A network fault counts only when the system's own traffic crossed it

  Scenario: A latency fault on a link no traffic crosses while it holds proves nothing
    Given a healthy controller with 2 registered workers
    When 1 of the controller's workers respond 300ms slower for 2 seconds
    And no client sends anything for 3 seconds

  Scenario: A latency fault on a link the requests cross is felt
    Given a healthy controller with 2 registered workers
    When 1 of the controller's workers respond 300ms slower for 2 seconds
    And 2 concurrent clients submit 6 document conversion requests
