// Web Bluetooth: is it here?  (The meter protocol follows in this file.)
export function bleSupported() {
  return Boolean(navigator.bluetooth && navigator.bluetooth.requestDevice);
}
