@resource @serial
Feature: Leaked connections and exhausted file handles
  Connections leaking into a worker at a steady rate, or a worker that can open no new file or socket, must
  not take the platform down: the controller routes around a worker that cannot take its requests.

  Scenario: Connections leak into a worker
    Given a healthy controller with 3 registered workers
    When 4 concurrent clients start submitting document conversion requests for 8 seconds
    And the load has run for 3 seconds
    And connections to 1 of the workers leak at 50 per second for 3 seconds
    And the load has finished
    Then the error rate at baseline is below 1%
    And the error rate under fault is below 5%

  Scenario: A worker's open-files limit lowered below its use
    Given a healthy controller with 3 registered workers
    When 4 concurrent clients start submitting document conversion requests for 8 seconds
    And the load has run for 3 seconds
    And the open-files limit of 1 of the workers is lowered below its use for 3 seconds
    And the load has finished
    Then the error rate at baseline is below 1%
    And the error rate under fault is below 5%
    And the service recovers within 5 seconds
