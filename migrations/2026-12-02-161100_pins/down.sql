DROP TABLE remote_featured;
DROP TABLE status_pins;
