package dev.exchanger.engine;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** Boots the engine and its REST API; everything else comes from the starter's auto-configuration. */
@SpringBootApplication
public class EngineApplication {
  public static void main(String[] args) {
    SpringApplication.run(EngineApplication.class, args);
  }
}
