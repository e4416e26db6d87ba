import { Injectable, OnModuleInit } from '@nestjs/common';
import { Command as Commander } from 'commander';
import { InjectCommander } from 'nest-commander';

/** Names the program in help text (commander would otherwise name it after the script file, main.js). */
@Injectable()
export class CliProgram implements OnModuleInit {
  constructor(@InjectCommander() private readonly commander: Commander) {}

  onModuleInit(): void {
    this.commander
      .name('particle-token-broker')
      .description('Ops CLI of particle-token-broker: the same services as the API, on the same database.')
      .showHelpAfterError('(add --help for usage)');
  }
}
