@data @idempotency
Feature: Duplicate submissions are converted and charged once
  Clients retry when an answer is lost, so the same request arrives more than once — sometimes at the same
  moment. The platform must bill it exactly once and answer every copy with the same result.

  Scenario: The same conversion request is submitted 5 times at once
    Given a healthy controller with 3 registered workers
    When a client submits the same document conversion request 5 times at once
    Then every successful request is charged exactly once
