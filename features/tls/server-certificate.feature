@tls @certificate @serial
Feature: A service that presents a bad certificate is refused by its clients
  The controller serves the workers' registrations and heartbeats over mutual TLS with a server certificate
  from the run's own CA, and re-reads it when its files change. When the certificate it presents is expired,
  not yet valid or signed by a CA the workers do not trust, every worker must refuse it at its next
  handshake and say so. The conversions do not cross that channel: while it is refused for less than the
  heartbeat TTL, the fleet keeps serving.

  Scenario Outline: The controller presents a certificate that is <problem>
    Given a healthy controller with 3 registered workers
    When 2 concurrent clients start submitting document conversion requests for 6 seconds
    And the controller presents a certificate that is <problem> for 3 seconds
    Then the workers refuse the controller's certificate within 3 seconds
    When the load has finished
    Then the error rate is below 5%

    Examples:
      | problem                 |
      | expired                 |
      | not yet valid           |
      | signed by an unknown CA |
