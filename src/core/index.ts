export { createSystemClock, createFakeClock, type Clock, type FakeClock, type TimerHandle } from "./clock.js";
