@tls @certificate @serial
Feature: A service that presents a bad certificate is refused by its clients, and they come back once it is renewed
  The controller serves the workers' registrations and heartbeats over mutual TLS with a server certificate
  from the run's own CA, and re-reads it when its files change. When the certificate it presents is expired,
  not yet valid or signed by a CA the workers do not trust, every worker must refuse it at its next
  handshake and say so, and once a valid certificate is back the fleet must be registered and serving again.

  Scenario Outline: The controller presents a certificate that is <problem>
    Given a healthy controller with 3 registered workers
    When the controller presents a certificate that is <problem> for 3 seconds
    Then the workers refuse the controller's certificate within 2 seconds

    Examples:
      | problem                 |
      | expired                 |
      | not yet valid           |
      | signed by an unknown CA |
