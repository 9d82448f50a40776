@tls @certificate
Feature: Workers with bad certificates are refused, and the platform keeps serving
  Workers register and heartbeat over mutual TLS with certificates from the run's own CA. A worker whose
  certificate is expired, not yet valid, from an unknown CA or revoked must be refused with 403, learn that
  its certificate needs renewing, be recorded in the audit log, and stop receiving work, while the other
  workers carry on.

  Scenario: A worker's certificate expires mid-scenario
    Given a healthy controller with 3 registered workers
    When the certificate of 1 of the controller's workers expires in 3 seconds
    Then the controller rejects the worker's certificate as expired within 10 seconds
    And the worker logs that certificate renewal is required
    And 6 more document conversion requests are all served by the other workers

  Scenario Outline: A worker presents a certificate that is <problem>
    Given a healthy controller with 3 registered workers
    When 1 of the controller's workers presents a certificate that is <problem>
    Then the controller rejects the worker's certificate as <reason> within 5 seconds
    And the worker logs that certificate renewal is required
    And 6 more document conversion requests are all served by the other workers

    Examples:
      | problem                 | reason        |
      | expired                 | expired       |
      | not yet valid           | not_yet_valid |
      | signed by an unknown CA | unknown_ca    |
      | revoked                 | revoked       |
