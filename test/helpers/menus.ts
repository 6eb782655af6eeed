/** A two-level menu (main, sales) on vn-ref-2, with a catch-all rule after it. */
export const MENUS = `
rules:
  - id: shop-line
    when: { destinationRefId: vn-ref-2 }
    then:
      - say: "Welcome to Acme."
      - menu: main
  - id: anyone-else
    then:
      - say: "This number is not in service."
      - hangup
menus:
  main:
    prompt: "Press 1 for sales, 2 for support, 9 to hear this again."
    timeout: 5
    options:
      "1": { menu: sales }
      "2":
        - say: "Connecting you to support."
        - makeCall: "+6561234567"
      "9": repeat
    invalid: { retries: 1, say: "That is not a choice." }
    noInput: { retries: 1, say: "I did not hear anything." }
    exhausted:
      - say: "Goodbye."
      - hangup
  sales:
    prompt: "Sales. Press 1 for Singapore, 2 for Malaysia, 0 to go back."
    options:
      "1": { makeCall: "+6581234567" }
      "2": { makeCall: "+60123456789" }
      "0": back
`;
