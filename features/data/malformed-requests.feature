@data
Feature: Malformed requests are refused without harm
  A client with a bug, an old SDK or bad intent sends broken requests: JSON cut short or left unbalanced,
  fields missing or of the wrong type, text in the wrong encoding or not UTF-8 at all, a body far larger
  than any document. The platform must refuse each with a 4xx that says what is wrong, charge and store
  nothing, stay up with its memory bounded, and keep serving the well-formed requests sent meanwhile.

  Scenario: Malformed conversion requests are refused while well-formed ones are served
    Given a healthy controller with 2 registered workers
    When 2 concurrent clients start submitting document conversion requests for 4 seconds
    And the load has run for 1 second
    And a client submits 25 malformed document conversion requests (invalid JSON, missing fields, wrong types, wrong encoding, invalid UTF-8) over 2 seconds
    And the load has finished
    Then every malformed document conversion request is rejected with a 4xx status
    And no malformed document conversion request is charged or stored
    And the controller stays healthy
    And the error rate under fault is below 1%

  Scenario: Oversized conversion requests are refused before they are read
    Given a healthy controller with 2 registered workers
    When a client submits 3 malformed document conversion requests (oversized to 96 MB)
    Then every malformed document conversion request is rejected with a 4xx status
    And the controller's memory stays within 64 MB of its baseline
    And the controller stays healthy
