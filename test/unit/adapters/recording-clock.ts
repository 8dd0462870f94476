export { TEST_CLIENT_CONFIG, TestClock as RecordingClock } from "../../support/clock";
