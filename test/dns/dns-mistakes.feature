# Not under features/: every scenario here is meant to fail. test/dns/dns-mistakes.test.ts runs it and checks
# what each says: a DNS fault on a name the system does not look up while it holds is an invalid experiment;
# a step with a bad word fails at its line, naming the word and what is accepted, with nothing applied.
@dns
Feature: DNS fault steps that prove nothing, or cannot be run

  Scenario: A DNS fault on a name the system does not look up proves nothing
    Given a healthy controller with 2 registered workers
    When 2 concurrent clients start submitting document conversion requests for 4 seconds
    And the controller's lookups of redis fail with NXDOMAIN for 2 seconds
    And the load has finished

  Scenario: An unknown service
    Given a healthy controller with 2 registered workers
    When the kontroller's lookups of postgres fail with NXDOMAIN for 2 seconds

  Scenario: An unknown answer kind
    Given a healthy controller with 2 registered workers
    When the controller's lookups of postgres fail with TIMEOUT for 2 seconds

  Scenario: A service that looks nothing up by name
    Given a healthy controller with 2 registered workers
    When worker-1's lookups of controller fail with SERVFAIL for 2 seconds
