// Loads faultline into cucumber: its World, hooks, parameter types and every step. Your own steps go in
// files beside this one (listed in cucumber.js `import`).
import 'faultline/cucumber';
